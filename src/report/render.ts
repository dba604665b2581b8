/** Tables to HTML and to Markdown (GitHub-flavoured). */
import type { Table } from './tables.ts';

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function tableHtml(tb: Table): string {
  const head = `<tr>${tb.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = tb.rows.map((r) => `<tr>${r.map((c) => {
    const attrs = Object.entries(c.data ?? {}).map(([k, v]) => ` data-${k}="${esc(String(v))}"`).join('');
    const text = c.bold ? `<strong>${esc(c.text)}</strong>` : esc(c.text);
    return `<td${attrs}>${text}</td>`;
  }).join('')}</tr>`).join('\n');
  return `<table id="table-${tb.id}">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>${tb.note ? `\n<p class="note">${esc(tb.note)}</p>` : ''}`;
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function tableMarkdown(tb: Table): string {
  const lines = [`| ${tb.columns.map(mdCell).join(' | ')} |`, `|${tb.columns.map(() => '---').join('|')}|`];
  for (const r of tb.rows) lines.push(`| ${r.map((c) => (c.bold ? `**${mdCell(c.text)}**` : mdCell(c.text))).join(' | ')} |`);
  return `${lines.join('\n')}${tb.note ? `\n\n_${tb.note}_` : ''}`;
}
