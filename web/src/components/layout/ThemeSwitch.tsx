import { Monitor, Moon, Sun } from "lucide-react";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Menu, MenuContent, MenuLabel, MenuRadioGroup, MenuRadioItem, MenuTrigger } from "@/components/ui/menu";
import { getThemeChoice, setThemeChoice, subscribeTheme, type ThemeChoice } from "@/lib/theme";

export function useThemeChoice(): ThemeChoice {
  const [choice, setChoice] = useState(getThemeChoice);
  useEffect(() => subscribeTheme(setChoice), []);
  return choice;
}

const LABELS: Record<ThemeChoice, string> = { light: "Light", dark: "Dark", system: "System" };

export function ThemeSwitch() {
  const choice = useThemeChoice();
  const Icon = choice === "light" ? Sun : choice === "dark" ? Moon : Monitor;
  return (
    <Menu>
      <MenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={`Theme: ${LABELS[choice]}`} title="Theme">
          <Icon aria-hidden="true" />
        </Button>
      </MenuTrigger>
      <MenuContent className="min-w-36">
        <MenuLabel>Theme</MenuLabel>
        <MenuRadioGroup value={choice} onValueChange={(v) => setThemeChoice(v as ThemeChoice)}>
          <MenuRadioItem value="light">
            <Sun aria-hidden="true" /> Light
          </MenuRadioItem>
          <MenuRadioItem value="dark">
            <Moon aria-hidden="true" /> Dark
          </MenuRadioItem>
          <MenuRadioItem value="system">
            <Monitor aria-hidden="true" /> System
          </MenuRadioItem>
        </MenuRadioGroup>
      </MenuContent>
    </Menu>
  );
}
