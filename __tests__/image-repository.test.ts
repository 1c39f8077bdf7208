/** ImageRepository: the repository builds push to, its lifecycle, protection and grants. */
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { ImageRepository } from "../constructs";
import { Recorder, synth } from "./support/constructs";
import { resourcesIn } from "./support/environments";

describe("ImageRepository", () => {
  test("scanned, immutable, kept (prevent_destroy, never force-deleted), with a lifecycle policy; grantPush is push to this repository only", () => {
    const grantee = new Recorder();
    const json = synth((scope) => new ImageRepository(scope, "images", { repositoryName: "team-dev" }).grantPush(grantee));
    expect(json).toHaveResourceWithProperties(EcrRepository, {
      name: "team-dev",
      image_tag_mutability: "IMMUTABLE",
      force_delete: false,
      lifecycle: { prevent_destroy: true },
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "AES256" }],
    });
    expect(grantee.statements).toEqual([
      { sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
      expect.objectContaining({ sid: "PushToImageRepository", resources: ["arn:aws:ecr:eu-west-1:123456789012:repository/team-dev"] }),
    ]);
  });
});

test('ImageRepository with removalPolicy "destroy": deleted with its images when it goes (a refused delete would stop an apply half-way)', () => {
  const json = synth((scope) => new ImageRepository(scope, "images", { repositoryName: "team-dev", removalPolicy: "destroy" }));
  const [repository] = resourcesIn(json, "aws_ecr_repository");
  expect(repository).toMatchObject({ force_delete: true });
  expect(repository).not.toHaveProperty("lifecycle");
});

describe("ImageRepository checks its props when created, with the checks the config runs", () => {
  test.each([
    ["a name ECR refuses", { repositoryName: "Team/App" }, /repositoryName "Team\/App": expected an ECR repository name/],
    ["three underscores in a row", { repositoryName: "team___app" }, /repositoryName "team___app": expected an ECR repository name/],
    ["a separator before a slash", { repositoryName: "team-/app" }, /repositoryName "team-\/app": expected an ECR repository name/],
    ["a lifecycle that keeps nothing", { repositoryName: "app", keepLastImages: 0 }, /keepLastImages 0: expected a whole number from 1 to 10000/],
    ["an expiry of half a day", { repositoryName: "app", untaggedExpiryDays: 0.5 }, /untaggedExpiryDays 0.5: expected a whole number from 1 to 3650/],
  ])("refuses %s", (_what, props, message) => {
    expect(() => synth((scope) => new ImageRepository(scope, "images", props))).toThrow(message);
  });
});

test.each(["team--app", "team__app", "team.app/build---cache"])(
  "ImageRepository takes %s: ECR's API model allows runs of hyphens and a double underscore (the fuzzer found project \"a--a\" refused)",
  (repositoryName) => {
    const json = synth((scope) => new ImageRepository(scope, "images", { repositoryName }));
    expect(resourcesIn(json, "aws_ecr_repository")[0]).toMatchObject({ name: repositoryName });
  },
);
