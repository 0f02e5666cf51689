"""The languages the captive-portal pages speak to visitors (the rest of the portal speaks ja/en)."""

VISITOR_LANGUAGES = ("ja", "en", "zh-hans", "zh-hant", "ko")
