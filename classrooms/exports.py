"""The table exports live in the core now (``school_portal.core.exports``), shared with the other plug-ins."""

from school_portal.core.exports import XLSX, table_response

__all__ = ["XLSX", "table_response"]
