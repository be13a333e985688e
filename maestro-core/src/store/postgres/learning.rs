//! [`LearningRead`] and [`LearningWrite`] over PostgreSQL.
