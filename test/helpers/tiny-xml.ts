// A strict little XML reader for the JUnit tests: elements, attributes, text and the five
// entities. Throws on anything a real XML parser would reject that our writer could produce
// (unbalanced tags, raw `<` or `&` in text or attributes, duplicate attributes).
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (/[<]/.test(raw)) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([a-z]+);|&/g, (match, name: string | undefined) => {
    if (!name || !(name in entities)) throw new Error(`bad entity ${match} in ${where}`);
    return entities[name];
  });
}

export function parseXml(text: string): XmlElement {
  let rest = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*(\/?)>/;
  while (rest.length) {
    const lt = rest.indexOf('<');
    if (lt !== 0) {
      const chunk = lt === -1 ? rest : rest.slice(0, lt);
      stack[stack.length - 1].text += decode(chunk, 'text');
      rest = lt === -1 ? '' : rest.slice(lt);
      continue;
    }
    const match = tag.exec(rest);
    if (!match) throw new Error(`malformed tag near: ${rest.slice(0, 60)}`);
    const [whole, closing, name, attrText, selfClosing] = match;
    rest = rest.slice(whole.length);
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key, value] of attrText.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (key in attributes) throw new Error(`duplicate attribute ${key}`);
      attributes[key] = decode(value, `attribute ${key}`);
    }
    const element: XmlElement = { name, attributes, children: [], text: '' };
    stack[stack.length - 1].children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1 || root.text.trim())
    throw new Error('an XML document has exactly one root element');
  return root.children[0];
}

export function findAll(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [
    ...(child.name === name ? [child] : []),
    ...findAll(child, name),
  ]);
}
