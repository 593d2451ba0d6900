import type { Channel } from './vocabulary';

/**
 * Recipients are personal data: logs and API answers show them masked. Slack channels and MQTT
 * topics name places, not people, and stay readable.
 */
export function maskRecipient(channel: Channel, recipient: string): string {
  switch (channel) {
    case 'email': {
      const at = recipient.lastIndexOf('@');
      if (at < 1) return '***';
      return `${recipient[0]}***${recipient.slice(at)}`;
    }
    case 'sms':
    case 'whatsapp':
      return recipient.length > 6
        ? `${recipient.slice(0, 4)}${'*'.repeat(recipient.length - 6)}${recipient.slice(-2)}`
        : '***';
    case 'push':
      return recipient.length > 12 ? `${recipient.slice(0, 6)}…${recipient.slice(-4)}` : '***';
    case 'slack':
    case 'mqtt':
      return recipient;
  }
}
