"""Date and number formats per language, where Django's defaults do not suit our readers
(settings.FORMAT_MODULE_PATH). French uses Django's own ``fr`` formats."""
