//! The walkthrough; it lands with the client and the sandbox.

fn main() {}
