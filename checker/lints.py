"""placeholder"""
def lint_policy(located, policy):
    return []
