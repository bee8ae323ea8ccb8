//! The RFC 1035 §5 master file format.
