//! Request bodies the client sends.
