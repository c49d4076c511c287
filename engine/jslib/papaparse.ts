// `https://jslib.k6.io/papaparse/5.1.1/index.js` offline: jslib serves the Papa Parse library
// itself, so this is the npm package papaparse (MIT, same 5.x API).
import Papa from 'papaparse';

export default Papa;
