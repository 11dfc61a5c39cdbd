import type { KubernetesObject } from '@kubernetes/client-node';
import { KIND } from '../../api/v1alpha1/cryptostream.ts';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { MANAGED_BY_LABEL, MANAGER, STREAM_LABEL } from './child.ts';
import type { Child } from './child.ts';

const controllerOf = (o: KubernetesObject) => o.metadata?.ownerReferences?.find((r) => r.controller === true);

/**
 * Whether an object in the stream's namespace is the stream's own: controlled by it, or left without a
 * controller by an earlier stream of the same name (the credentials Secret that `influxdb.retainOnDelete`
 * keeps) and still labelled as made by this operator for this stream.
 */
export const isOwnedBy =
  (cr: CryptoStream) =>
  (o: KubernetesObject): boolean => {
    const controller = controllerOf(o);
    if (controller !== undefined) return controller.kind === KIND && controller.uid === cr.metadata.uid;
    const labels = o.metadata?.labels ?? {};
    return labels[MANAGED_BY_LABEL] === MANAGER && labels[STREAM_LABEL] === cr.metadata.name;
  };

/** A desired child whose name another owner's object already takes: the operator never writes over it. */
export type NameConflict = { readonly child: Child; readonly holder: KubernetesObject };

/**
 * The children the operator must leave alone: each desired child paired with the live object of its name
 * that was found (undefined: the name is free), kept when that object is not the stream's own.
 */
export const nameConflicts = (
  cr: CryptoStream,
  found: readonly (readonly [Child, KubernetesObject | undefined])[],
): NameConflict[] =>
  found.flatMap(([child, holder]) =>
    holder !== undefined && !isOwnedBy(cr)(holder) ? [{ child, holder }] : [],
  );

/** What the status says of a conflict: whose object it is, and what to do. */
export const conflictMessage = ({ child, holder }: NameConflict): string => {
  const controller = controllerOf(holder);
  const whose =
    controller === undefined
      ? 'not created by this stream'
      : `controlled by ${controller.kind} ${controller.name}`;
  return `${child.kind} ${child.metadata.name} already exists (${whose}); the operator does not overwrite it: rename or remove it, or rename the stream`;
};
