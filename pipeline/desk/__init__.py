"""The service desk as contacts: camera visits, their buttons, desk metrics and the desk's other devices."""
