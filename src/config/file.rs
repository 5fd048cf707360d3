//! Reading the settings: command-line flags, then `SKIRMISH_*` environment variables, then the
//! optional TOML file named by `--config`, then the defaults, in that order of precedence.
//!
//! A file setting goes through the same parser as its flag, so it is checked the same way and a
//! bad value is refused with the flag's own message, naming the file, the key and the value.
//! Unknown keys are refused too: a misspelt setting must not be silently ignored.

use std::ffi::OsString;
use std::path::Path;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use super::Config;

/// Why the settings could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// From the command line or the environment (also `--help` and `--version`, which clap
    /// reports this way).
    Args(clap::Error),
    /// From the configuration file.
    File(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Args(err) => write!(f, "{}", err.to_string().trim_end()),
            LoadError::File(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// Prints the error (or the help text) and ends the process: status 2 for bad settings,
    /// 0 for `--help` and `--version`.
    pub fn exit(self) -> ! {
        match self {
            LoadError::Args(err) => err.exit(),
            LoadError::File(message) => {
                eprintln!("skirmish: {message}");
                std::process::exit(2)
            }
        }
    }
}

impl Config {
    /// Reads the settings from `args` (the program name first), the environment and the file
    /// that `--config` or `SKIRMISH_CONFIG` names.
    pub fn load<I, T>(args: I) -> Result<Config, LoadError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let matches = Config::command()
            .try_get_matches_from(&args)
            .map_err(LoadError::Args)?;
        let Some(path) = matches.get_one::<std::path::PathBuf>("config").cloned() else {
            return Config::from_arg_matches(&matches).map_err(LoadError::Args);
        };
        let text = std::fs::read_to_string(&path).map_err(|err| {
            LoadError::File(format!("cannot read config file {}: {err}", path.display()))
        })?;
        args.extend(file_args(&path, &text, &matches)?);
        Config::try_parse_from_args(args)
    }

    fn try_parse_from_args(args: Vec<OsString>) -> Result<Config, LoadError> {
        let matches = Config::command()
            .try_get_matches_from(args)
            .map_err(LoadError::Args)?;
        Config::from_arg_matches(&matches).map_err(LoadError::Args)
    }
}

/// The file's settings as flags, for every setting that neither a flag nor an environment
/// variable has set already.
fn file_args(path: &Path, text: &str, given: &ArgMatches) -> Result<Vec<OsString>, LoadError> {
    let fail =
        |problem: String| LoadError::File(format!("config file {}: {problem}", path.display()));
    let table: toml::Table = text
        .parse()
        .map_err(|err: toml::de::Error| fail(err.to_string().trim_end().to_string()))?;
    let command = Config::command();
    let settable: Vec<&clap::Arg> = command
        .get_arguments()
        .filter(|arg| {
            arg.get_long().is_some()
                && !matches!(arg.get_id().as_str(), "config" | "help" | "version")
        })
        .collect();
    let mut args = Vec::new();
    for (key, value) in &table {
        let id = key.replace('-', "_");
        let Some(arg) = settable.iter().find(|arg| arg.get_id().as_str() == id) else {
            let known: Vec<String> = settable
                .iter()
                .filter_map(|arg| arg.get_long().map(str::to_string))
                .collect();
            return Err(fail(format!(
                "unknown setting `{key}` (known settings: {})",
                known.join(", ")
            )));
        };
        let long = format!("--{}", arg.get_long().unwrap_or(key));
        let flag_args = match value {
            toml::Value::String(s) => vec![long.clone(), s.clone()],
            toml::Value::Integer(n) => vec![long.clone(), n.to_string()],
            toml::Value::Float(x) => vec![long.clone(), x.to_string()],
            toml::Value::Boolean(b) if arg.get_action().takes_values() => {
                vec![long.clone(), b.to_string()]
            }
            toml::Value::Boolean(true) => vec![long.clone()],
            toml::Value::Boolean(false) => vec![],
            other => {
                return Err(fail(format!(
                    "`{key}` holds a value of type {}; it must be a string, a number or a boolean",
                    other.type_str()
                )))
            }
        };
        // Checked alone, so that the message names this file and this key.
        if let Err(err) = Config::command().try_get_matches_from(
            std::iter::once("skirmish".to_string()).chain(flag_args.iter().cloned()),
        ) {
            let first_line = err.to_string();
            let first_line = first_line.lines().next().unwrap_or_default();
            return Err(fail(format!(
                "`{key} = {value}` is refused: {}",
                first_line.trim_start_matches("error: ")
            )));
        }
        let set_elsewhere = matches!(
            given.value_source(arg.get_id().as_str()),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        if !set_elsewhere {
            args.extend(flag_args.into_iter().map(OsString::from));
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_config(name: &str, text: &str) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("skirmish-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, text).expect("write a temporary config file");
        path
    }

    fn load_with(path: &Path, extra: &[&str]) -> Result<Config, LoadError> {
        let mut args = vec![
            "skirmish".to_string(),
            "--config".into(),
            path.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Config::load(args)
    }

    #[test]
    fn file_settings_apply_in_either_spelling() {
        let path = write_config(
            "apply",
            "tick-rate = 60\nroom_capacity = 8\nbind = \"0.0.0.0\"\nadmin-token = \"s3cret\"\n",
        );
        let config = load_with(&path, &[]).expect("the file is good");
        assert_eq!(config.tick_rate, 60);
        assert_eq!(config.room_capacity, 8);
        assert_eq!(config.bind.to_string(), "0.0.0.0");
        assert_eq!(config.admin_token.as_deref(), Some("s3cret"));
        assert_eq!(
            config.port, 8080,
            "what the file leaves out keeps its default"
        );
    }

    #[test]
    fn flags_win_over_the_file() {
        let path = write_config("precedence", "tick_rate = 60\nport = 9000\n");
        let config = load_with(&path, &["--tick-rate", "20"]).expect("good settings");
        assert_eq!(config.tick_rate, 20);
        assert_eq!(config.port, 9000);
    }

    fn file_error(name: &str, text: &str) -> String {
        let path = write_config(name, text);
        match load_with(&path, &[]) {
            Err(LoadError::File(message)) => message,
            other => panic!("{text:?} was not refused as a file error: {other:?}"),
        }
    }

    #[test]
    fn bad_file_values_are_refused_naming_file_key_and_value() {
        let message = file_error("range", "tick_rate = 500\n");
        assert!(message.contains("tick_rate = 500"), "{message}");
        assert!(message.contains("skirmish-"), "{message}");
        assert!(message.contains("1..=120"), "{message}");
        let message = file_error("type", "port = \"eighty\"\n");
        assert!(message.contains("eighty"), "{message}");
        let message = file_error("unknown", "tick_rat = 30\n");
        assert!(message.contains("unknown setting `tick_rat`"), "{message}");
        assert!(message.contains("tick-rate"), "{message}");
        let message = file_error("array", "port = [1, 2]\n");
        assert!(
            message.contains("`port` holds a value of type array"),
            "{message}"
        );
        let message = file_error("syntax", "port = = 1\n");
        assert!(message.contains("config file"), "{message}");
        let message = file_error("nested", "config = \"other.toml\"\n");
        assert!(message.contains("unknown setting `config`"), "{message}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let missing = std::env::temp_dir().join("skirmish-no-such-config.toml");
        let err = load_with(&missing, &[]).expect_err("a missing file is an error");
        assert!(
            err.to_string().contains("skirmish-no-such-config.toml"),
            "{err}"
        );
    }

    #[test]
    fn no_file_means_flags_and_defaults() {
        let config = Config::load(["skirmish", "--port", "0"]).expect("good flags");
        assert_eq!(config.port, 0);
        assert!(matches!(
            Config::load(["skirmish", "--port", "nope"]),
            Err(LoadError::Args(_))
        ));
    }
}
