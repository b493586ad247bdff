// jsdom's HTML parser (jsdom ships no types; this is the part the tests use).
import { createRequire } from 'node:module';

type JsdomConstructor = new (html: string) => { window: { document: Document } };

const require = createRequire(import.meta.url);
const { JSDOM } = require('jsdom') as { JSDOM: JsdomConstructor };

/** Parses a whole HTML page the way a browser does. */
export function parseHtml(html: string): Document {
  return new JSDOM(html).window.document;
}
