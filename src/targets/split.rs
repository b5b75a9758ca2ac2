//! Splitting a whole into parts by weights, exactly.

/// Splits `total` by `weights` so that the parts sum to `total` exactly: every part gets the
/// floor of its exact share, and the units left over go one each to the parts with the largest
/// remainders (the earlier part first on a tie). `None` when the weights sum to zero.
///
/// 1,000 into three equal weights is 334, 333, 333.
pub fn largest_remainder(total: i64, weights: &[u64]) -> Option<Vec<i64>> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum == 0 {
        return None;
    }
    let total_wide = i128::from(total);
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total_wide * i128::from(*w);
        parts.push(exact.div_euclid(sum));
        remainders.push((exact.rem_euclid(sum), i));
    }
    let left = total_wide - parts.iter().sum::<i128>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.iter().take(usize::try_from(left).unwrap_or(0)) {
        parts[*i] += 1;
    }
    parts.into_iter().map(|p| i64::try_from(p).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::largest_remainder;

    #[test]
    fn parts_always_sum_to_the_whole() {
        assert_eq!(
            largest_remainder(1000, &[1, 1, 1]),
            Some(vec![334, 333, 333])
        );
        assert_eq!(
            largest_remainder(100, &[1, 1, 1, 1, 1, 1, 1]),
            Some(vec![15, 15, 14, 14, 14, 14, 14])
        );
        assert_eq!(largest_remainder(10, &[1, 2]), Some(vec![3, 7]));
        assert_eq!(largest_remainder(0, &[5, 5]), Some(vec![0, 0]));
        assert_eq!(largest_remainder(7, &[0, 0]), None);
        let parts = largest_remainder(1_000_001, &[7, 13, 29, 31, 1]).unwrap_or_default();
        assert_eq!(parts.iter().sum::<i64>(), 1_000_001);
    }
}
