//! The headers of a WebSocket connection's client frames, read as the bytes pass (after the
//! upgrade), for what actix-web-actors does not tell: whether a frame has reserved bits
//! (RSV1–RSV3) set, which RFC 6455 forbids without a negotiated extension (the server
//! negotiates none).

/// Where the scan stands in the client's frame stream.
#[derive(Default)]
pub struct FrameScan {
    header: [u8; 14],
    /// Header bytes gathered so far.
    have: usize,
    /// Payload bytes of the current frame still to pass.
    skip: u64,
    /// A frame with a reserved bit set has passed.
    pub reserved_bits: bool,
}

impl FrameScan {
    /// Follows `bytes`, the next bytes the client sent.
    pub fn scan(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.reserved_bits {
            if self.skip > 0 {
                let passed = bytes
                    .len()
                    .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
                self.skip -= passed as u64;
                bytes = &bytes[passed..];
                continue;
            }
            self.header[self.have] = bytes[0];
            self.have += 1;
            bytes = &bytes[1..];
            if self.have < 2 {
                continue;
            }
            let extended = match self.header[1] & 0x7f {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            let masked = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
            if self.have < 2 + extended + masked {
                continue;
            }
            self.reserved_bits = self.header[0] & 0x70 != 0;
            self.skip = match extended {
                0 => u64::from(self.header[1] & 0x7f),
                2 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
                _ => {
                    let mut length = [0u8; 8];
                    length.copy_from_slice(&self.header[2..10]);
                    u64::from_be_bytes(length)
                }
            };
            self.have = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_followed_across_reads_and_reserved_bits_found() {
        let mut scan = FrameScan::default();
        // A masked binary frame of 3 bytes, then one of 300 (16-bit length), cut anywhere.
        let mut stream = vec![0x82, 0x83, 1, 2, 3, 4, 9, 9, 9];
        stream.extend([0x82, 0xfe, 0x01, 0x2c, 1, 2, 3, 4]);
        stream.extend(std::iter::repeat_n(0x70, 300));
        for chunk in stream.chunks(7) {
            scan.scan(chunk);
        }
        assert!(
            !scan.reserved_bits,
            "payload bytes are never taken for headers"
        );
        scan.scan(&[0xc2, 0x80, 1, 2, 3, 4]);
        assert!(scan.reserved_bits);
    }
}
