// cronium-sandbox: see sandbox/launcher.h. Not meant to be run by hand.
#include "sandbox/launcher.h"

int main() { return cronium::sandbox::LauncherMain(); }
