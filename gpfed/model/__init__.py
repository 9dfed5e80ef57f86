"""The world and its rules: world generation, demand, money, exits, the step order."""
