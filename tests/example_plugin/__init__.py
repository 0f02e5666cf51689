"""``class_bell``: the smallest complete plug-in, the worked example of docs/plugins.md.

A homeroom teacher rings their class's bell; every child of the class with the page open hears it at once. It
has one of everything a plug-in author meets: a page behind a capability, a rule on a core model, a fact of its
own in the Actor's one query, a live event to a group, a background task with progress, a demo seeder and its
rows of the permission matrix. The tests install it (``school_portal/settings/test.py``) beside the five real
plug-ins, so every generic test of the platform (matrix, exact rules, removal, architecture) runs over it too.
"""
