/** Every policy rule, without the aspect that runs them (no cdktf): the config validates acknowledgements against these ids. */
import { PolicyRule } from "../rule";
import { codebuildPrivateSubnets } from "./codebuild-private-subnets";
import { credentialsSecureString } from "./credentials-secure-string";
import { ecrPolicyPrincipals } from "./ecr-policy-principals";
import { noOpenIngress } from "./no-open-ingress";
import { noPlaintextSecrets } from "./no-plaintext-secrets";
import { noWildcardActions } from "./no-wildcard-actions";
import { protectStateful } from "./protect-stateful";

/** Every rule, in the order reports list them. */
export const RULES: readonly PolicyRule[] = [
  codebuildPrivateSubnets,
  noPlaintextSecrets,
  noOpenIngress,
  ecrPolicyPrincipals,
  credentialsSecureString,
  noWildcardActions,
  protectStateful,
];
