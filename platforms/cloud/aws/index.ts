import type { ProviderSpec } from '../core/cloud-factory.js';
import { matching, requiredOption, stringOption } from '../core/settings.js';

export const AWS_REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** The region every AWS command needs (run, gc, upload), named by its flag. */
export function awsRegion(options: Readonly<Record<string, unknown>>, name: string): string {
  return matching(requiredOption(options, 'awsRegion', '--aws-region', name, 'eu-west-1'), AWS_REGION, '--aws-region', 'an AWS region (eu-west-1)')!;
}

/** `aws:<instance-type>`: EC2, credentials from the SDK's default chain (environment, profile, SSO, instance role). */
export const AWS_SPEC: ProviderSpec = {
  kind: 'aws',
  form: '<instance-type>',
  typePattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
  typeForm: 'an EC2 instance type (t3.micro)',
  defaultUser: 'root',
  options: [
    { flags: '--aws-image <ami>', description: 'AWS: the AMI to boot (harness cloud upload --provider aws makes one from a raw image)' },
    { flags: '--aws-region <region>', description: 'AWS: the region, e.g. eu-west-1' },
    { flags: '--aws-subnet <subnet-id>', description: 'AWS: the subnet (default: the default VPC’s default subnet)' },
  ],
  provider(type, options, name, timings) {
    const image = matching(requiredOption(options, 'awsImage', '--aws-image', name, 'ami-0123456789abcdef0'), /^ami-[0-9a-f]{8,17}$/, '--aws-image', 'an AMI id (ami-0123456789abcdef0)')!;
    const region = awsRegion(options, name);
    const subnet = matching(stringOption(options, 'awsSubnet', '--aws-subnet'), /^subnet-[0-9a-f]{8,17}$/, '--aws-subnet', 'a subnet id (subnet-0123456789abcdef0)');
    return {
      label: `aws instance (${type} in ${region})`,
      async make() {
        const [{ EC2Client }, { AwsProvider }] = await Promise.all([import('@aws-sdk/client-ec2'), import('./ec2-provider.js')]);
        return new AwsProvider(new EC2Client({ region }), { region, image, instanceType: type, ...(subnet && { subnet }), pollMs: timings.pollMs });
      },
    };
  },
};
