import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import type { Kube } from './kube.ts';

export type EventType = 'Normal' | 'Warning';

/** Records a Kubernetes Event (events.k8s.io/v1) on a CryptoStream; failures to record are only logged. */
export type Recorder = (
  cr: CryptoStream,
  type: EventType,
  reason: string,
  action: string,
  note: string,
) => Promise<void>;

const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export const makeRecorder =
  (kube: Kube, instance: string, now: () => Date, onError: (e: unknown) => void): Recorder =>
  async (cr, type, reason, action, note) => {
    try {
      await kube.create({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { generateName: `${cr.metadata.name}-`, namespace: cr.metadata.namespace },
        eventTime: microTime(now()),
        reportingController: 'cryptostream.io/operator',
        reportingInstance: instance,
        action,
        reason,
        type,
        note: note.length > 1000 ? `${note.slice(0, 997)}...` : note,
        regarding: {
          apiVersion: cr.apiVersion,
          kind: cr.kind,
          name: cr.metadata.name,
          namespace: cr.metadata.namespace,
          ...(cr.metadata.uid === undefined ? {} : { uid: cr.metadata.uid }),
        },
      } as never);
    } catch (e) {
      onError(e);
    }
  };
