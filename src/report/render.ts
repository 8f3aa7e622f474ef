import type { Diagnosis } from '../diagnosis/types.js';
import { renderText } from './text.js';

export type OutputFormat = 'text' | 'markdown' | 'json';

export function render(d: Diagnosis, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(d, null, 2);
    case 'markdown':
      return renderText(d, true);
    case 'text':
      return renderText(d, false);
  }
}
