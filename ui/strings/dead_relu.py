"""Strings of the dead_relu page."""

EN = {
}

ZH = {
}
