"""The app's screens: contents, a lesson, help, and the too-small notice."""
