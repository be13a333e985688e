//! `config.yaml` (SPEC §3.12): storage settings, the retention policy, learning
//! thresholds, extra decision categories and custom phase models.
//!
//! A store loads the file its caller names ([`ConfigSource::File`]) or else the
//! `config.yaml` beside its database file; a missing file means the defaults. The text is
//! parsed within limits (size, nesting, alias expansion: see [`yaml`]), then validated
//! against `schemas/config.schema.json`, then against the rules of each section. Every
//! error names the line and column **and** the JSON path of the bad value.

mod retention;
pub mod yaml;

pub use retention::RetentionPolicy;
pub(crate) use retention::DAY_MS;

use crate::decision::DecisionCategory;
use crate::error::{Error, Result};
use crate::learning::LearningThresholds;
use crate::schema::Schema;
use crate::store::sqlite::Durability;
use crate::workflow::{PhaseModel, BUILTIN_MODELS};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file name looked for beside a database file.
pub const FILE_NAME: &str = "config.yaml";

/// Which config a store opens with.
#[derive(Debug, Clone, Default)]
pub enum ConfigSource {
    /// `config.yaml` beside the database file, if there is one (the default). An
    /// in-memory store has none.
    #[default]
    Discover,
    /// This file; it must exist.
    File(PathBuf),
    /// This configuration, already loaded.
    Given(Box<Config>),
    /// No file: the defaults.
    Defaults,
}

/// The `storage` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// The database: a file path, resolved against the config file's directory, or a
    /// `postgres://` URL (used by tools that start from the config, through
    /// [`Config::database`]; a store opened by path ignores it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What an acknowledged write survives (default `full`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durability: Option<Durability>,
    /// How long a writer waits for another process's lock, in milliseconds (default 30000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy_timeout_ms: Option<u64>,
}

/// An extra decision category, usable by every project of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigCategory {
    /// The name (`[a-z0-9_]{1,64}`, not a built-in one).
    pub name: String,
    /// What it is for.
    pub description: String,
}

/// A parsed, validated `config.yaml`. Every section is optional; absent ones are the
/// defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The document shape's version (1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Where and how the store is kept.
    pub storage: StorageConfig,
    /// What pruning removes.
    pub retention: RetentionPolicy,
    /// When the learning layer prefers, avoids or alerts.
    pub learning: LearningThresholds,
    /// Decision categories beyond the built-in ones, for every project.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decision_categories: Vec<ConfigCategory>,
    /// Phase models usable by name in `workflows.create`, beside the built-in ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phase_models: Vec<PhaseModel>,
    /// The file this was loaded from (not part of the document).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Config {
    /// Parses and validates config text; `name` is how errors refer to it (a file name).
    pub fn from_yaml(name: &str, text: &str) -> Result<Config> {
        let doc = yaml::parse(name, text)?;
        let at = |pointer: &str, message: String| yaml::error_at(name, pointer, doc.position(pointer), message);
        let mut value = doc.value.clone();
        if value.is_null() {
            value = serde_json::json!({});
        }
        if let Some(v) = Schema::Config.violation(&value) {
            // An unknown key is pointed at itself, where a typo is.
            return Err(match &v.unexpected {
                Some(key) => {
                    let pointer = format!("{}/{}", v.pointer, crate::schema::limits::pointer_segment(key));
                    yaml::error_at(name, &pointer, doc.key_position(&pointer), v.message)
                }
                None => at(&v.pointer, v.message),
            });
        }
        for (i, m) in value["phase_models"].as_array().into_iter().flatten().enumerate() {
            if let Some(v) = Schema::PhaseModel.violation(m) {
                let mut pointer = format!("/phase_models/{i}{}", v.pointer);
                if let Some(key) = &v.unexpected {
                    pointer = format!("{pointer}/{}", crate::schema::limits::pointer_segment(key));
                    return Err(yaml::error_at(name, &pointer, doc.key_position(&pointer), v.message));
                }
                return Err(at(&pointer, v.message));
            }
        }
        let config: Config = serde_json::from_value(value).map_err(|e| at("", e.to_string()))?;
        config.check().map_err(|e| match e {
            Error::Validation { path, message, .. } => at(&path, message),
            other => other,
        })?;
        if config
            .retention
            .archive_dir
            .as_ref()
            .is_some_and(|d| d.as_os_str().is_empty())
        {
            return Err(at("/retention/archive_dir", "must not be empty".into()));
        }
        Ok(config)
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::validation("config", "", format!("cannot read {}: {e}", path.display())))?;
        if meta.len() > yaml::MAX_BYTES as u64 {
            return Err(yaml::error_at(
                &path.display().to_string(),
                "",
                yaml::Position { line: 1, column: 1 },
                format!("{} bytes is more than the limit of {}", meta.len(), yaml::MAX_BYTES),
            ));
        }
        let bytes = std::fs::read(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::validation("config", "", format!("{} is not UTF-8: {e}", path.display())))?;
        let mut c = Config::from_yaml(&path.display().to_string(), &text)?;
        c.source = Some(path.to_owned());
        Ok(c)
    }

    /// The config beside the database at `db` (`<dir>/config.yaml`), or the defaults
    /// when there is none.
    pub fn discover(db: &Path) -> Result<Config> {
        let dir = db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let path = dir.join(FILE_NAME);
        if path.is_file() {
            Config::load(&path)
        } else {
            Ok(Config::default())
        }
    }

    /// Loads what `source` names for a database at `db` (`None` for a store in memory).
    pub fn resolve(source: &ConfigSource, db: Option<&Path>) -> Result<Config> {
        match source {
            ConfigSource::Discover => db.map(Config::discover).unwrap_or_else(|| Ok(Config::default())),
            ConfigSource::File(p) => Config::load(p),
            ConfigSource::Given(c) => {
                c.check()?;
                Ok((**c).clone())
            }
            ConfigSource::Defaults => Ok(Config::default()),
        }
    }

    /// The rules beyond the schema: learning ranges, category names, phase models.
    pub fn check(&self) -> Result<()> {
        self.learning.check().map_err(|e| e.within("/learning"))?;
        let mut seen = std::collections::HashSet::new();
        for (i, c) in self.decision_categories.iter().enumerate() {
            let path = format!("/decision_categories/{i}/name");
            if crate::id::validate_id("decision_category", &c.name).is_err() {
                return Err(Error::validation(
                    "config",
                    path,
                    format!("{:?} is not a valid category name", c.name),
                ));
            }
            if DecisionCategory::parse(&c.name).is_ok() {
                return Err(Error::validation(
                    "config",
                    path,
                    format!("{:?} is a built-in category", c.name),
                ));
            }
            if !seen.insert(c.name.as_str()) {
                return Err(Error::validation(
                    "config",
                    path,
                    format!("{:?} is listed twice", c.name),
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        for (i, m) in self.phase_models.iter().enumerate() {
            let at = format!("/phase_models/{i}");
            m.validate().map_err(|e| e.within(&at))?;
            if BUILTIN_MODELS.contains(&m.name.as_str()) {
                return Err(Error::validation(
                    "config",
                    format!("{at}/name"),
                    format!("{:?} is a built-in model", m.name),
                ));
            }
            if !names.insert(m.name.as_str()) {
                return Err(Error::validation(
                    "config",
                    format!("{at}/name"),
                    format!("{:?} is listed twice", m.name),
                ));
            }
        }
        Ok(())
    }

    /// The custom phase model called `name`.
    pub fn phase_model(&self, name: &str) -> Option<&PhaseModel> {
        self.phase_models.iter().find(|m| m.name == name)
    }

    /// The extra decision category called `name`.
    pub fn category(&self, name: &str) -> Option<&ConfigCategory> {
        self.decision_categories.iter().find(|c| c.name == name)
    }

    /// The database `storage.path` names, ready for [`crate::Maestro::open`]: a
    /// `postgres://` URL as written, a relative file path resolved against
    /// [`Config::base_dir`]. `None` when the config names none.
    pub fn database(&self) -> Option<String> {
        let named = self.storage.path.as_deref()?;
        if crate::store::is_url(named) || Path::new(named).is_absolute() {
            return Some(named.to_owned());
        }
        let base = self.base_dir(None).unwrap_or_else(|| PathBuf::from("."));
        Some(base.join(named).to_string_lossy().into_owned())
    }

    /// The directory relative paths of this config are resolved against: the config
    /// file's, else the database's.
    pub fn base_dir(&self, db: Option<&Path>) -> Option<PathBuf> {
        let dir_of = |p: &Path| {
            p.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        };
        self.source.as_deref().map(dir_of).or_else(|| db.map(dir_of))
    }

    /// This config as YAML, as export writes it (a document that loads back equal).
    pub fn to_yaml(&self) -> Result<String> {
        let mut v = serde_json::to_value(self).map_err(|e| Error::Internal(format!("encoding the config: {e}")))?;
        if let Some(m) = v.as_object_mut() {
            m.insert(
                "schema_version".into(),
                serde_json::json!(crate::schema::SCHEMA_VERSION),
            );
        }
        Ok(format!(
            "# Maestro configuration (SPEC 3.12), schemas/config.schema.json.\n{}",
            yaml::render(&v)
        ))
    }
}
