'use strict';
// bb runs matrix-bot-sdk without end-to-end encryption. matrix-bot-sdk requires this module at
// import time, so it must resolve; every use of it fails loudly instead of half-working.
const message = 'end-to-end encryption is not available in bb: encrypted Matrix rooms are unsupported';
function unavailable() { throw new Error(message); }
module.exports = new Proxy({}, {
  get(_target, prop) {
    if (prop === '__esModule') return false;
    if (prop === 'then') return undefined;
    return unavailable;
  },
});
