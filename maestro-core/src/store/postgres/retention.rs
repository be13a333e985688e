//! [`RetentionRead`] and [`RetentionWrite`] over PostgreSQL.
