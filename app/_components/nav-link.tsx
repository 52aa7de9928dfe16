"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/**
 * A link of the main navigation. The current section is marked for people (underlined,
 * in the brand colour) and for assistive technology (aria-current), including its sub-pages.
 */
export function NavLink({ href, children }: { href: string; children: React.ReactNode }) {
  const pathname = usePathname();
  const current = href === "/dashboard" ? pathname === href : pathname === href || pathname.startsWith(`${href}/`);
  return (
    <Link href={href} aria-current={current ? "page" : undefined} className="nav">
      {children}
    </Link>
  );
}
