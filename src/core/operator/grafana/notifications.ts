import type { V1EnvVar } from '@kubernetes/client-node';
import type { CryptoStream, Notifications } from '../../../api/v1alpha1/cryptostream.ts';
import { env, secretEnv } from '../env.ts';
import { shortHash } from './flux.ts';

/**
 * Where Grafana sends the alerts of its rules (`spec.grafana.notifications`), in Grafana's file provisioning
 * of alerting resources: one contact point with a webhook and/or an email integration, made the receiver of
 * the root of the notification policy tree (so every rule's alerts reach it: the stream's Grafana has no
 * other). Secrets never enter the provisioning ConfigMap: the webhook's URL is an environment variable of
 * the Grafana container (from the Secret's key), which Grafana expands in provisioning files (`$VAR`),
 * and the SMTP server is Grafana's own configuration (`GF_SMTP_*`), its credentials from a Secret too.
 */

/** The environment variable holding the webhook's URL, expanded by Grafana in the contact point. */
export const WEBHOOK_URL_ENV = 'CRYPTOSTREAM_WEBHOOK_URL';

/** The keys of `email.smtp.secret`. */
export const SMTP_SECRET_KEYS = { user: 'user', password: 'password' } as const;

export const contactPointName = (cr: CryptoStream): string => `cryptostream-${cr.metadata.name}`;

const receiverUid = (cr: CryptoStream, type: string): string =>
  `cs-${type}-${shortHash(`${cr.metadata.namespace}/${cr.metadata.name}/${type}`)}`;

const receivers = (cr: CryptoStream, n: Notifications) => [
  ...(n.webhook === undefined
    ? []
    : [
        {
          uid: receiverUid(cr, 'webhook'),
          type: 'webhook',
          // `$VAR`, not `${VAR}`: Grafana expands a `$` in the value of `${VAR}` again.
          settings: { url: `$${WEBHOOK_URL_ENV}`, httpMethod: 'POST' },
          disableResolveMessage: false,
        },
      ]),
  ...(n.email === undefined
    ? []
    : [
        {
          uid: receiverUid(cr, 'email'),
          type: 'email',
          // One mail to all the addresses (Grafana separates them with `;`).
          settings: { addresses: n.email.addresses.join(';'), singleEmail: true },
          disableResolveMessage: false,
        },
      ]),
];

/**
 * The `contactPoints` and `policies` of the alerting provisioning file; nothing without notifications
 * (Grafana keeps its default policy and contact point, as before they existed).
 */
export const notificationProvisioning = (cr: CryptoStream) => {
  const n = cr.spec.grafana.notifications;
  if (n === undefined) return {};
  const name = contactPointName(cr);
  return {
    contactPoints: [{ orgId: 1, name, receivers: receivers(cr, n) }],
    policies: [
      {
        orgId: 1,
        receiver: name,
        group_by: ['grafana_folder', 'alertname'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
      },
    ],
  };
};

/** Grafana's environment for the notifications: the webhook's URL, the SMTP server and its credentials. */
export const notificationEnv = (cr: CryptoStream): V1EnvVar[] => {
  const n = cr.spec.grafana.notifications;
  if (n === undefined) return [];
  const smtp = n.email?.smtp;
  return [
    ...(n.webhook === undefined
      ? []
      : [secretEnv(WEBHOOK_URL_ENV, n.webhook.urlSecret.name, n.webhook.urlSecret.key)]),
    ...(smtp === undefined
      ? []
      : [
          env('GF_SMTP_ENABLED', 'true'),
          env('GF_SMTP_HOST', smtp.host),
          env('GF_SMTP_FROM_ADDRESS', smtp.from),
          env('GF_SMTP_FROM_NAME', `CryptoStream ${cr.metadata.name}`),
          ...(smtp.secret === undefined
            ? []
            : [
                secretEnv('GF_SMTP_USER', smtp.secret, SMTP_SECRET_KEYS.user),
                secretEnv('GF_SMTP_PASSWORD', smtp.secret, SMTP_SECRET_KEYS.password),
              ]),
        ]),
  ];
};
