// Development/test entry for the sandboxed email processor: BullMQ loads processor files with
// import(), which cannot compile TypeScript; this CommonJS shim registers SWC and loads the .ts.
// The built service (dist/) uses the compiled email.processor.js instead.
require('../../../scripts/swc-register.js');
module.exports = require('./email.processor.ts');
