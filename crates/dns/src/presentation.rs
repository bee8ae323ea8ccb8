//! Presentation format of record data (RFC 1035 §5.1 and each type's RFC): text to RDATA and back.
