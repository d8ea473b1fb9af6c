import { nextPathLiterals } from '../../domain/nextPaths';
import { defineNodeKind } from '../kind';

export const codeKind = defineNodeKind({
  kind: 'code',
  label: 'Code',
  description: 'A JavaScript function (input, context); may route by returning nextPath',
  create: (id) => ({
    id,
    type: 'code',
    code: '// input: what the previous node returned (or the trigger payload)\nreturn input;',
  }),
  summary: (node) => {
    const paths = nextPathLiterals(node.code);
    const lines = node.code.split('\n').length;
    return `${lines} line${lines === 1 ? '' : 's'}${paths.length > 0 ? ` · routes ${paths.join(', ')}` : ''}`;
  },
});
