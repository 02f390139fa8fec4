//! The randomised tests' generator: xorshift64, so every run checks the same cases and no
//! dependency is needed.

pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}
