/**
 * What DescribeReservedCacheNodesOfferings and DescribeReservedCacheNodes share: the filters
 * an offering and a purchased reservation both answer to, the way AWS reads them.
 */
import { RESERVED_DURATIONS } from "../../catalog/reserved-offerings.js";
import { commonErrors } from "../../protocol/aws-error.js";

export interface ReservedFilterInput {
  CacheNodeType?: string;
  Duration?: string;
  ProductDescription?: string;
  OfferingType?: string;
}

export interface ReservedTerms {
  cacheNodeType: string;
  duration: number;
  productDescription: string;
  offeringType: string;
}

/**
 * The request's filters as one predicate. Duration is the term in seconds or in years
 * ("1", "3", "31536000", "94608000"); other values are refused. Node type, product
 * description and offering type match exactly, except for case.
 */
export function reservedFilter(input: ReservedFilterInput): (terms: ReservedTerms) => boolean {
  let duration: number | undefined;
  if (input.Duration !== undefined) {
    duration = RESERVED_DURATIONS[input.Duration.trim()];
    if (duration === undefined) {
      throw commonErrors.invalidParameterValue(`Invalid value for Duration: ${input.Duration}. Valid values are 1, 3, 31536000 and 94608000.`);
    }
  }
  const same = (given: string | undefined, value: string) => given === undefined || given.toLowerCase() === value.toLowerCase();
  return (terms) =>
    same(input.CacheNodeType, terms.cacheNodeType) &&
    (duration === undefined || duration === terms.duration) &&
    same(input.ProductDescription, terms.productDescription) &&
    same(input.OfferingType, terms.offeringType);
}
