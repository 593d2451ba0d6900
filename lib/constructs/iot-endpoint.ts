import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** Props of IotEndpoint. */
export interface IotEndpointProps {
  /** Retention of the lookup function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The account's IoT Core data endpoint (iot:Data-ATS), looked up at deploy time with
 * DescribeEndpoint because it is per account and region and cannot be derived.
 */
export class IotEndpoint extends Construct {
  /** `https://<prefix>-ats.iot.<region>.amazonaws.com`, for the iot-data client. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: IotEndpointProps) {
    super(scope, id);
    const describe: cr.AwsSdkCall = {
      service: 'Iot',
      action: 'describeEndpoint',
      parameters: { endpointType: 'iot:Data-ATS' },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('endpointAddress'),
    };
    const lookup = new cr.AwsCustomResource(this, 'DescribeEndpoint', {
      onCreate: describe,
      onUpdate: describe,
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] }),
      ]),
    });
    this.url = `https://${lookup.getResponseField('endpointAddress')}`;

    // The policy lands on the provider function's role, a stack-level singleton.
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    for (const target of [lookup, provider].filter((c): c is Construct => c !== undefined)) {
      Validations.of(target).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'iot:DescribeEndpoint supports no resource-level permissions (Resource must be "*"); it is the only action granted and only reads the endpoint address.',
      });
    }
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The AwsCustomResource provider is a CDK-managed singleton whose role CDK builds with the basic execution policy; it runs only at deploy time to call iot:DescribeEndpoint.',
      });
    }
  }
}
