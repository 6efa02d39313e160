def usage(program: str) -> str:
    return ""
