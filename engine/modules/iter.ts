// `__ITER` for the script modules that name it: the loader's prelude imports it only into those
// (see ../loader/hooks.ts), so a VU whose script never reads it does no work for it when an
// iteration starts. A live binding the VU updates; one instance per VU, as every VU module.

import { vuForModule } from '../registry.ts';

const vu = vuForModule(import.meta.url);

export let __ITER = Math.max(vu.iter, 0);

vu.setIter = (n) => {
  __ITER = n;
};
