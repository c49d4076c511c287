import type { Handler } from './api-context.ts';

export const legacyRoutes: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [];
