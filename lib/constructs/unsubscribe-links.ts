import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { HeraldFunction } from './herald-function';

/** Props of UnsubscribeLinks. */
export interface UnsubscribeLinksProps {
  /** Verifies the links (GET/POST /v1/unsubscribe). */
  readonly apiFunction: HeraldFunction;
  /** Signs a link into every email of a non-critical category; absent without email. */
  readonly emailSender?: HeraldFunction;
  /** The stage's base URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`). */
  readonly apiUrl: string;
}

/**
 * The signing key of one-click unsubscribe links: a generated Secrets Manager secret
 * `{ key }` (an operator may add `previousKey` while rotating). Only the email sender (signs)
 * and the api (verifies) may read it; they get its ARN, never its value.
 */
export class UnsubscribeLinks extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: UnsubscribeLinksProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'SigningKey', {
      description: 'Herald: HMAC key of one-click unsubscribe links ({ key, previousKey? })',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'key',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'An HMAC key, not a credential of another system: an operator rotates it by moving key to previousKey and setting a new key (links signed with either verify), so links already in inboxes keep working; a rotation Lambda would drop them.',
    });
    const readers = [props.apiFunction, ...(props.emailSender ? [props.emailSender] : [])];
    for (const reader of readers) {
      reader.fn.addEnvironment('UNSUBSCRIBE_SECRET_ID', this.secret.secretArn);
      iam.Grant.addToPrincipal({
        grantee: reader.fn,
        actions: ['secretsmanager:GetSecretValue'],
        resourceArns: [this.secret.secretArn],
      });
    }
    props.emailSender?.fn.addEnvironment('UNSUBSCRIBE_BASE_URL', props.apiUrl);
  }
}
