// Finding </body> and the include in a layout, comments aside.
import { describe, expect, it } from 'vitest';
import {
  addInclude,
  bodyEnds,
  foreignReferences,
  INCLUDE,
  includesPartial,
  removeInclude,
  withoutComments,
} from '../../src/theme/layout.js';

describe('layout comments', () => {
  it('blanks comments without moving any offset or line break', () => {
    const text = 'a<!-- b\r\nc -->d{{!-- e }} --}}f{{~! g ~}}h';
    const blanked = withoutComments(text);
    expect(blanked).toHaveLength(text.length);
    expect(blanked.replace(/ /g, '')).toBe('a\r\ndfh');
  });

  it('reads Handlebars comments first: a <!-- inside one opens no HTML comment', () => {
    const text = `{{!-- <!-- --}}\n${INCLUDE}\n</body>\n{{! --> }}`;
    expect(includesPartial(text)).toBe(true);
    expect(bodyEnds(text)).toEqual([text.indexOf('</body>')]);
  });

  it('treats an unterminated comment as running to the end', () => {
    expect(bodyEnds('<body></body><!-- </body>')).toEqual([6]);
    expect(includesPartial(`<body>{{!-- ${INCLUDE}</body>`)).toBe(false);
  });

  it('adds before the one </body> outside comments, and refuses two', () => {
    expect(addInclude('<body>\n</body>\n<!-- </body> -->')).toBe(
      `<body>\n${INCLUDE}\n</body>\n<!-- </body> -->`,
    );
    expect(addInclude('<body></body></body>')).toBeNull();
    expect(addInclude('<body>{{!-- </body> --}}')).toBeNull();
  });

  it('removes only the include outside comments, and counts foreign references outside Handlebars comments', () => {
    const text = `{{!-- ${INCLUDE} --}}\n<!-- ${INCLUDE} -->\n${INCLUDE}\n</body>`;
    expect(removeInclude(text)).toBe(`{{!-- ${INCLUDE} --}}\n<!-- ${INCLUDE} -->\n</body>`);
    expect(foreignReferences(text)).toBe(1);
    expect(foreignReferences(`{{!-- ${INCLUDE} --}}\n${INCLUDE}\n`)).toBe(0);
  });
});
