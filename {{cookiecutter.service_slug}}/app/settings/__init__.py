"""Settings by feature, combined into `app.config.Settings`."""
