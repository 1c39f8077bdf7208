/**
 * The mirror through the real provider, against a state recorded by an
 * earlier version of the stack (a pinned repository and its policies at addresses of their own,
 * the secret's first version as a Terraform resource): mirrored images and
 * the mirror's Docker Hub secret survive every config change and even
 * `cdktf destroy`, and no plan reads or rewrites the stored token.
 */
import { Environment } from "../config";
import { LEGACY, RETAINED } from "../stacks";
import { environmentFrom, readShipped, synthStackJson } from "./support/environments";
import { cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, startPlan } from "./support/plans";
import { PlanResult } from "../terraform";
import { ExistingResource } from "./support/recorded-state";

cleanUpPlansAfterAll();

describeWithTerraform("a deployed mirror: what holds images or credentials is never destroyed by a config change", () => {
  const shared = environmentFrom(readShipped("shared"), "shared");
  const mirror = shared.mirror as Extract<Environment["mirror"], { registry: "own" }>;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${shared.region}:${shared.accountId}:${resource}`;
  const secretArn = arn("secretsmanager", `secret:${mirror.secretName}-AbCdEf`);

  const pinnedLifecycle = () => {
    const json = synthStackJson(shared) as { resource: Record<string, Record<string, { policy: string }>> };
    return json.resource[RETAINED.mirrorPinned.lifecyclePolicy.type][RETAINED.mirrorPinned.lifecyclePolicy.name].policy;
  };

  /** As a deploy recorded them, after one rotation moved AWSCURRENT to a newer version. */
  const deployed: ExistingResource[] = [
    {
      type: "aws_ecr_repository",
      name: LEGACY.mirrorRepository("library/node").name,
      attributes: {
        id: "mirror/library/node",
        name: "mirror/library/node",
        arn: arn("ecr", "repository/mirror/library/node"),
        registry_id: shared.accountId,
        repository_url: `${shared.accountId}.dkr.ecr.${shared.region}.amazonaws.com/mirror/library/node`,
        image_tag_mutability: "MUTABLE",
        force_delete: false,
        encryption_configuration: [{ encryption_type: "AES256", kms_key: "" }],
        image_scanning_configuration: [{ scan_on_push: true }],
        tags: null,
        tags_all: shared.tags,
      },
    },
    // Its policies, at the addresses cdktf derived from their construct paths then.
    {
      type: LEGACY.mirrorLifecyclePolicy("library/node").type,
      name: LEGACY.mirrorLifecyclePolicy("library/node").name,
      // No update in the provider: a different policy would be a replacement, so the deployed one is today's.
      attributes: { id: "mirror/library/node", repository: "mirror/library/node", registry_id: shared.accountId, policy: pinnedLifecycle() },
    },
    {
      type: LEGACY.mirrorRepositoryPolicy("library/node").type,
      name: LEGACY.mirrorRepositoryPolicy("library/node").name,
      attributes: { id: "mirror/library/node", repository: "mirror/library/node", registry_id: shared.accountId, policy: "{\"Version\":\"2012-10-17\",\"Statement\":[]}" },
    },
    {
      type: RETAINED.mirrorSecret.type,
      name: RETAINED.mirrorSecret.name,
      attributes: {
        id: secretArn,
        arn: secretArn,
        name: mirror.secretName,
        name_prefix: "",
        description: "Docker Hub credentials for ECR's pull-through cache and the mirror sync",
        kms_key_id: "",
        policy: "",
        recovery_window_in_days: 30,
        force_overwrite_replica_secret: false,
        replica: [],
        tags: null,
        tags_all: shared.tags,
      },
    },
    {
      type: LEGACY.mirrorSecretVersion.type,
      name: LEGACY.mirrorSecretVersion.name,
      attributes: {
        id: `${secretArn}|00000000-0000-4000-8000-000000000001`,
        arn: secretArn,
        secret_id: secretArn,
        version_id: "00000000-0000-4000-8000-000000000001",
        version_stages: ["TERRAFORM_INITIAL"],
        has_secret_string_wo: true,
        secret_string: null,
        secret_binary: null,
        secret_string_wo: null,
        secret_string_wo_version: 1,
      },
      sensitive: ["secret_string", "secret_binary", "secret_string_wo"],
    },
  ];
  const plan = (label: string, environment: Environment, options: { destroy?: boolean; variables?: Record<string, string> } = {}) =>
    startPlan(label, synthStackJson(environment), { existing: deployed, ...options });

  const asShipped = plan("shared-deployed", shared, { variables: { dockerhub_token: "dckr_pat_AnotherToken000000000" } });
  const withoutMirror = plan("shared-without-mirror", environmentFrom({ ...readShipped("shared"), strategy: "authenticated" }, "shared"));
  const destroying = plan("shared-destroy", shared, { destroy: true });
  const shippedMirror = readShipped("shared").mirror as { images: string[] };
  const retiring = plan(
    "shared-retire-node",
    environmentFrom(
      { ...readShipped("shared"), mirror: { ...shippedMirror, images: shippedMirror.images.filter((i) => i !== "library/node:20"), retiredImages: ["library/node:20"] } },
      "shared",
    ),
  );
  const actions = async (planned: Promise<PlanResult>) =>
    Object.fromEntries(((await planned).plan.resource_changes ?? []).map((c) => [c.address, c.change.actions]));

  const legacyRepository = `aws_ecr_repository.${LEGACY.mirrorRepository("library/node").name}`;
  const repository = `aws_ecr_repository.${RETAINED.mirrorPinned.repository.name}["library/node"]`;
  const legacyAddress = (resource: { type: string; name: string }) => `${resource.type}.${resource.name}`;
  const legacyLifecyclePolicy = legacyAddress(LEGACY.mirrorLifecyclePolicy("library/node"));
  const legacyRepositoryPolicy = legacyAddress(LEGACY.mirrorRepositoryPolicy("library/node"));
  const lifecyclePolicy = `${RETAINED.mirrorPinned.lifecyclePolicy.type}.${RETAINED.mirrorPinned.lifecyclePolicy.name}["library/node"]`;
  const repositoryPolicy = `${RETAINED.mirrorPinned.repositoryPolicy.type}.${RETAINED.mirrorPinned.repositoryPolicy.name}["library/node"]`;
  const secret = `${RETAINED.mirrorSecret.type}.${RETAINED.mirrorSecret.name}`;
  const version = `${LEGACY.mirrorSecretVersion.type}.${LEGACY.mirrorSecretVersion.name}`;

  test("a later plan carries the repository and its policies to their for_each instances (moved, not replaced) and forgets the secret's old version resource", async () => {
    const result = await asShipped;
    const planned = await actions(asShipped);
    const change = (address: string) => (result.plan.resource_changes ?? []).find((c) => c.address === address) as { previous_address?: string; change: { actions: string[] } };
    for (const [to, from] of [[repository, legacyRepository], [lifecyclePolicy, legacyLifecyclePolicy], [repositoryPolicy, legacyRepositoryPolicy]]) {
      expect(change(to).previous_address).toBe(from);
      expect([to, change(to).change.actions]).not.toEqual([to, expect.arrayContaining(["delete"])]);
    }
    expect(planned[legacyLifecyclePolicy]).toBeUndefined();
    expect(planned[legacyRepositoryPolicy]).toBeUndefined();
    // Refreshing a secret version reads its value (provider 5.x): the stack no longer holds one, and forgets the old.
    expect(planned[version]).toEqual(["forget"]);
    expect(planned[secret]).not.toContain("delete");
    expect(Object.values(planned).flat()).not.toContain("delete");
  }, PLAN_TIMEOUT);

  test("dropping the mirror strategy forgets the pinned repositories and the secret; it deletes neither", async () => {
    const planned = await actions(withoutMirror);
    expect(planned[legacyRepository]).toEqual(["forget"]);
    expect(planned[legacyLifecyclePolicy]).toEqual(["forget"]);
    expect(planned[legacyRepositoryPolicy]).toEqual(["forget"]);
    expect(planned[secret]).toEqual(["forget"]);
    expect(planned[version]).toEqual(["forget"]);
    expect(Object.values(planned).flat()).not.toContain("delete");
  }, PLAN_TIMEOUT);

  test("retiring the image forgets the repository and its policies at their old addresses too, as a whole; nothing is deleted", async () => {
    const planned = await actions(retiring);
    expect(planned[legacyRepository]).toEqual(["forget"]);
    expect(planned[legacyLifecyclePolicy]).toEqual(["forget"]);
    expect(planned[legacyRepositoryPolicy]).toEqual(["forget"]);
    expect(Object.values(planned).flat()).not.toContain("delete");
  }, PLAN_TIMEOUT);

  test("`cdktf destroy` stops at prevent_destroy before touching mirrored images or the secret", async () => {
    await expect(destroying).rejects.toThrow(/Instance cannot be destroyed[\s\S]*(aws_ecr_repository\.mirror_pinned|aws_secretsmanager_secret\.dockerhub_mirror)/);
  }, PLAN_TIMEOUT);
});
