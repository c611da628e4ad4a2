/** Rules for regions and partitions: a region's shape, its partition, and roles matching it. */
import { InputError, quote } from './input-error.js'

const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/
/** Custom STS servers name regions freely ("default", "garage"); keep only a safe shape. */
const CUSTOM_REGION = /^[A-Za-z0-9_-]{1,64}$/

export function parseRegion(input: string, value: string, customEndpoint: boolean): string {
  const shape = customEndpoint ? CUSTOM_REGION : AWS_REGION
  if (!shape.test(value)) {
    throw new InputError(input, `must be an AWS region like us-east-1; got ${quote(value)}.`)
  }
  return value
}

/** True for a region named like AWS's (us-east-1, cn-north-1), whatever the endpoint. */
export function isAwsRegion(value: string): boolean {
  return AWS_REGION.test(value)
}

/** The partition a region belongs to; STS in one partition cannot assume roles of another. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  if (region.startsWith('us-isob-')) return 'aws-iso-b'
  if (region.startsWith('us-iso-')) return 'aws-iso'
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e'
  if (region.startsWith('us-isof-')) return 'aws-iso-f'
  if (region.startsWith('eusc-')) return 'aws-eusc'
  return 'aws'
}

/** STS in one partition cannot assume a role of another: aws-cn roles need a cn-* region. */
export function parsePartitionMatch(input: string, partition: string, region: string): void {
  const expected = partitionOfRegion(region)
  if (partition !== expected) {
    throw new InputError(
      input,
      `is in partition ${partition} but aws-region ${region} is in ${expected}; use a region of the role's partition.`
    )
  }
}
