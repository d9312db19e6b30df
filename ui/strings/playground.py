"""Strings of the playground page."""

EN = {
}

ZH = {
}
