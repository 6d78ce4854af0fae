// The REST paths of the collections plexd-hook reads and writes, each defined once; "" is every namespace.

import { GROUP, PLURAL, ROLLOUT_PLURAL, VERSION } from "../constants.ts";

const collection =
  (apiPath: string, plural: string) =>
  (namespace: string): string =>
    namespace ? `${apiPath}/namespaces/${namespace}/${plural}` : `${apiPath}/${plural}`;

export const hooksPath = collection(`/apis/${GROUP}/${VERSION}`, PLURAL);
export const rolloutsPath = collection(`/apis/${GROUP}/${VERSION}`, ROLLOUT_PLURAL);
export const jobsPath = collection("/apis/batch/v1", "jobs");
