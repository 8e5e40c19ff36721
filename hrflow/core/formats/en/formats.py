# English pages of HRflow write dates the ISO way (2026-11-25): schools read them beside
# Chinese documents, and "Nov. 25, 2026" is easy to misread there. Chinese keeps Django's
# zh_Hans formats (2026年11月25日). Enabled by settings.FORMAT_MODULE_PATH = ["hrflow.core.formats"].
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
