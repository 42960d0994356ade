import type { ApplicationConfig } from '@nestjs/core';
import { EXCEPTION_FILTERS_METADATA, GUARDS_METADATA, INTERCEPTORS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/internal';

const ENHANCER_KEYS = [GUARDS_METADATA, INTERCEPTORS_METADATA, EXCEPTION_FILTERS_METADATA];

/**
 * Whether the application declares anything Nest's pipeline would run around `methodName`:
 * guards, interceptors or exception filters on the method, its class or globally
 * (`useGlobal*()`, `APP_*`), or parameter decorators (with their pipes). Pipes need a
 * decorated parameter to act on, so pipes alone change nothing. With none, the method is
 * called directly: the pipeline's per-call work (execution contexts, observables) buys nothing.
 */
export function declaresEnhancers(
  metatype: abstract new (...args: never[]) => object,
  methodName: string,
  config: ApplicationConfig,
): boolean {
  const method = (metatype.prototype as Record<string, object>)[methodName];
  const declared = (target: object) => ENHANCER_KEYS.some((key) => ((Reflect.getMetadata(key, target) as unknown[]) ?? []).length > 0);
  if (declared(metatype) || declared(method)) return true;
  if (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, methodName) !== undefined) return true;
  return (
    config.getGlobalGuards().length +
      config.getGlobalInterceptors().length +
      config.getGlobalFilters().length +
      config.getGlobalRequestGuards().length +
      config.getGlobalRequestInterceptors().length +
      config.getGlobalRequestFilters().length >
    0
  );
}
