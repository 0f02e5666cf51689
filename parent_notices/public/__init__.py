"""The public side of the notices: what a school and the board tell the community.

A notice whose audience is "public / community" is no one's private letter: the school's site, a city-wide page,
RSS/Atom, iCalendar, the municipal open-data CSV (自治体標準オープンデータセット「イベント一覧」) and Wagtail's
API v2 show it to anyone. Everything here reads only such notices (``selectors.public_notices``), through the
rule ``read_public`` of the access policy, and renders only their public parts (title, text, headings, events):
never a reply, a read receipt, an attachment (those stay with the notice's families) nor anyone's name.
"""
