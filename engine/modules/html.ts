// `import { parseHTML } from 'k6/html'`.
import { Attribute, Element, parseHTML, Selection } from '../api/html.ts';

export { Attribute, Element, parseHTML, Selection };
export default { parseHTML };
