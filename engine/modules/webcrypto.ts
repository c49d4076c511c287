// `import { crypto } from 'k6/experimental/webcrypto'`: the standard WebCrypto API, which Node
// implements in full (k6 implements a subset of it, with the same results).
export const crypto = globalThis.crypto;

export default { crypto };
