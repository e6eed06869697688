//! How numbers are written for people in sentences the service composes.

/// A whole number with thousands separators ("2,012,345", "-1,000").
pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whole numbers (and anything from 100 up) with separators, others to one decimal.
pub fn readable(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        thousands(v)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(2_012_345.4), "2,012,345");
        assert_eq!(thousands(-1000.0), "-1,000");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(readable(38.04), "38.0");
        assert_eq!(readable(217_874.0), "217,874");
    }
}
